"""Skill Enablement Console: desktop app and command line for the Alexa Skill Enablement API."""

APP_NAME = "skill-console"
