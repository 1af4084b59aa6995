"""What applicants are told: portal notifications and their emails."""
