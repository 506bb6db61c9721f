"""Stage 13, distributed: several processes doing one job, and the arithmetic that sizes the real cluster.

    shipml.distributed.launch        start ranks with torchrun, with a timeout; a failing rank fails fast with its stderr
    shipml.distributed.ddp_worker    the torchrun worker: gradients averaged with all_reduce, then DistributedDataParallel
    shipml.distributed.batch_scoring score a large batch in partitions: one process, concurrent.futures, Ray tasks
    shipml.distributed.roofline      FLOPs and bytes per prediction, the roofline, cost per million predictions
    shipml.distributed.capacity      Little's law, the p95 of a queue (formula and simulation), an autoscaler replayed
    shipml.distributed.manifests     Kubernetes Deployment, Service and HorizontalPodAutoscaler from the artifact
"""
