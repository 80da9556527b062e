"""The S3 API (path style) over object storage's Swift layers, at ``/s3``."""
