"""Local stand-ins for the payment gateways, speaking each vendor's documented protocol."""
