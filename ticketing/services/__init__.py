"""Use cases. The only layer that commits; the actor and `now` are passed in."""
