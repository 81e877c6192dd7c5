"""The investors' view: what every unit of money did, from the chain or the index, and how it is printed."""
