"""The pages of the shop, one blueprint per area."""
