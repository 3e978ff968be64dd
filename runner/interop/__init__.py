"""Import and export: Postman collections and environments, curl commands. Outside the run path."""
