"""Stage 7, performance: latency, throughput and cost, measured honestly.

    shipml.performance.latency     the one latency result (p50/p95/p99, throughput) and percentiles()
    shipml.performance.benchmark   warm-up, repeats, percentiles, open-loop load, profiles
    shipml.performance.loadtest    HTTP load tests of a loopback server: closed loop (N clients), open loop (a rate)
    shipml.performance.runtimes    eager PyTorch, torch.export, ONNX Runtime, int8
    shipml.performance.cache       a score cache keyed on the model version
    shipml.performance.pricing     fleets (vCPUs as hyperthreads), monthly cost, following the day
    shipml.performance.pareto      the Pareto frontier and the cheapest configuration that meets a goal
"""
