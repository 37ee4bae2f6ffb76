"""The studio: web pages (Manage, Author, Monitor) over the same service layer as the REST API, at /studio."""
