"""The remote model path: the DebugLLM adapter served by vLLM's OpenAI-compatible API.

``endpoint`` validates the configuration, ``client`` talks HTTP (one long-lived httpx client,
tenacity retries, a total deadline, an in-flight limit), ``cache`` and ``breaker`` keep a slow or
failing endpoint from costing the editor anything, ``answer`` turns an untrusted completion into
minimal edits of the region sent, and ``source.ModelSource`` answers the pipeline's model
policy (``FixPipeline.model_target``/``model_targets``, one ``ModelTarget`` with its region per
request); the pipeline verifies its answer like any fix. Nothing here runs when no endpoint URL
is configured.
"""
