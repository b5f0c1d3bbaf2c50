-- The latest quickstart run: how the TWAP filled against the market over its hour.
-- interval_twap: mean over 1-second buckets of the last trade price (time-weighted).
WITH
    (SELECT argMax(run_id, finished_ns) FROM runs WHERE pipeline = 'btc-twap-quickstart') AS rid,
    toInt64(1704067200000000000) AS start_ns,
    toInt64(1704070800000000000) AS end_ns
SELECT
    rid AS run_id,
    count() AS fills,
    round(sum(toFloat64(qty)), 4) AS filled_btc,
    round(sum(toFloat64(price) * toFloat64(qty)) / sum(toFloat64(qty)), 2) AS avg_fill_price,
    round((
        SELECT avg(p) FROM (
            SELECT argMax(price, ts_ns) AS p
            FROM market_trades
            WHERE run_id = rid AND ts_ns >= start_ns AND ts_ns < end_ns
            GROUP BY intDiv(ts_ns, 1000000000)
        )
    ), 2) AS interval_twap,
    round((avg_fill_price / interval_twap - 1) * 10000, 2) AS slippage_bps,
    round(sum(toFloat64(fee)), 2) AS fees_usdt
FROM fills
WHERE run_id = rid
