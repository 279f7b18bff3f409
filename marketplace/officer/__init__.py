"""The agency officers' area: claim review in their provinces and districts."""
