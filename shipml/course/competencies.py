"""The competencies ML-engineer roles ask for: the vocabulary a chapter's `skills` are filed under.

    from shipml.course.competencies import COMPETENCIES
    COMPETENCIES["retrieval"].title          # 'Retrieval pipelines'
    COMPETENCIES["retrieval"].asked_for      # what a job description says, in its words

A chapter's front matter lists the skills it builds under these ids
(`shipml.course.notebooks.front_matter` refuses any other id):

    skills:
      deployment-monitoring: ["Model serving with FastAPI", "Load testing and service operations"]
      tradeoffs: ["Latency benchmarking and profiling"]

The career map (`shipml.course.authoring.career_map_markdown`, the book's
career-map page) is generated from those lists, so it cannot drift from the
chapters. The order here is the order of the map.
"""

from __future__ import annotations

from typing import NamedTuple


class Competency(NamedTuple):
    title: str
    asked_for: str  # how job descriptions put it


COMPETENCIES: dict[str, Competency] = {
    "python-dl": Competency(
        "Python and deep-learning frameworks",
        "strong Python; PyTorch (or TensorFlow); model training, evaluation and tested, reviewable code",
    ),
    "data-engineering": Competency(
        "Data engineering and pipelines",
        "build and own data pipelines; data quality, validation and feature engineering at scale",
    ),
    "deployment-monitoring": Competency(
        "Deployment and monitoring",
        "deploy models to production services; monitor them for drift and degradation; on-call for models",
    ),
    "tradeoffs": Competency(
        "ROI, latency and cost trade-offs",
        "optimise inference latency and cost; choose models and hardware by return on investment",
    ),
    "risk-compliance": Competency(
        "Risk and compliance",
        "responsible AI: fairness, explainability, audit trails, regulation (EU AI Act, model risk management)",
    ),
    "business-outcomes": Competency(
        "Measurable business outcomes",
        "tie models to business metrics; design experiments; quantify impact with uncertainty",
    ),
    "communication": Competency(
        "Communication with non-technical leaders",
        "explain results, risks and trade-offs to product and business leaders; write decision documents",
    ),
    "retrieval": Competency(
        "Retrieval pipelines",
        "RAG: chunking, embeddings, vector and hybrid search, evaluation of retrieval and answers, guardrails",
    ),
    "fine-tuning": Competency(
        "Fine-tuning large models",
        "fine-tune foundation models (LoRA, PEFT); decide between prompting, retrieval and fine-tuning",
    ),
    "gpu-infrastructure": Competency(
        "GPU infrastructure",
        "size GPU memory and throughput; batching; cost per prediction on accelerators",
    ),
    "distributed-systems": Competency(
        "Distributed systems",
        "distributed training and batch inference (torch.distributed, Ray); capacity planning and autoscaling",
    ),
    "mlops-cloud": Competency(
        "MLOps and cloud",
        "experiment tracking, model registries, CI/CD for ML, reproducible environments, containers and Kubernetes",
    ),
}
