"""Time bars from trades in the dataflow: batches cut into per-window partial bars
(`partial.py`), merged per instrument by bytewax event-time tumbling windows (`flow.py`) into
rows of the `bars` table."""
