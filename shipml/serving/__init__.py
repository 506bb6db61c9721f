"""Stage 6, serving: the versioned artifact, the web service and its process.

    shipml.serving.artifact   one versioned folder with everything needed to reproduce a score; export
    shipml.serving.app        the FastAPI app: /predict, /predict/batch, /health, /ready (score, decision, version)
    shipml.serving.process    the server as a real process on a free loopback port, always stopped
    shipml.serving.requests   example and malformed requests for the API, and how to send one
"""
