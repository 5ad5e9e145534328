"""Account pages. Each module holds one flow; every view declares its access policy."""
