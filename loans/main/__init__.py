"""Home page, language switch and the staff landing page."""
