"""Django apps: workflows <- execution <- agents (nothing imports upwards)."""
