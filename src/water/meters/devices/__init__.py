"""Meter devices: provisioning, signed HTTP and MQTT ingestion, command delivery, simulation.

The wire protocol is described in docs/device-protocol.md; `protocol` holds its rules.
"""
