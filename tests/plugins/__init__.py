"""Sample plugins written the way an outside plugin author would."""
