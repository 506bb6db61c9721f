"""Stage 12, fine-tuning: adapt a pretrained model, measure what it gains, and size the job first.

    shipml.finetuning.memory       the memory arithmetic: weights, gradients, optimizer, activations, KV cache;
                                   public model shapes, GPUs needed, the measured peak
    shipml.finetuning.lora         LoRA by hand: LoRALinear, applying it to named layers, merging it back
    shipml.finetuning.contrastive  (query, section) pairs from the book and contrastive training with
                                   sentence-transformers (full or LoRA through PEFT)
    shipml.finetuning.similarity   the general sentence-similarity set shipped with the course (the forgetting check)
"""
