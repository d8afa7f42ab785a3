"""Agency indicators, rankings, the PAR-index feed and exports (DOMAIN.md §8)."""
