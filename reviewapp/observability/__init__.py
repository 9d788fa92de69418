"""What operators watch: Prometheus metrics, health checks and structured logs."""
