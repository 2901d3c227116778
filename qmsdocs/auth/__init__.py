"""Users, roles, API tokens and the permission rules every route checks."""
