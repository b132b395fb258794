"""Developer commands run by hand: golden-site regeneration, Lighthouse."""
