"""The append-only audit log: who changed what, through which door, with which key."""
