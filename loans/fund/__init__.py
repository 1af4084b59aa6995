"""The guarantee fund and the programme's risk (SPEC §13): fund movements, guaranteed
outstanding and leverage, per-bank rates and pauses, compensation claims, recoveries and
write-offs. The rules are in ``core.fund``; this package stores and reads them."""
