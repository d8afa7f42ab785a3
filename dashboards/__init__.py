"""Agency indicators, rankings, the PAR-index feed and exports (the dashboards issue)."""
