"""Hospital wards roster nurses and share transportation lines (Curtois & Qu ward rosters)."""
