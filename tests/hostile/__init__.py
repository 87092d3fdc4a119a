"""The standing hostile suite: generated bad inputs per command family, run through simcord."""
