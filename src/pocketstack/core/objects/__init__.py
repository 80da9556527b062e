"""Object storage's canonical core: accounts (one per project), containers, objects, their
metadata and usage, listings, expiry and quotas. Knows nothing of HTTP: Swift's API
(``api/object_v1``) and S3 (``api/s3``) translate to and from it."""
