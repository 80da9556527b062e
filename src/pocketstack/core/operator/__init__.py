"""What only the cloud's operator does: the Operator API's core (docs/operator.md)."""
