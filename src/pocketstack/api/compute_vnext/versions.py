"""The vNext API's version, shown in its root document (the API has one version so far)."""

VERSION = "1.0"
