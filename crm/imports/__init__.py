"""Importing attendee lists (companies, contacts, leads) and meeting schedules from CSV and XLSX."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")

# Routes are attached when the app factory imports .views (as for the other features).
