"""Accounts: registration, login, logout, password rules and staff users."""
