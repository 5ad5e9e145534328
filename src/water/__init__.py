"""IndoWater: prepaid smart water metering for Indonesian water authorities."""
