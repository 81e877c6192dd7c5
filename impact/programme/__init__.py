"""What the programme does: deploy the contracts, describe pools, schedule and follow governance changes."""
