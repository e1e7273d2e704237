"""The embedded repair engine: candidate fixes computed offline, in milliseconds."""
