"""Object storage v1 (Swift): the account, containers, objects, static large objects and
directory transfers."""
