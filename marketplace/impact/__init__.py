"""The impact domain."""
