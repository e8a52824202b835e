-- wrk script of bench/rpc-load.sh: every request is one JSON-RPC nodeInfo call.
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","method":"nodeInfo","id":1}'
wrk.headers["Content-Type"] = "application/json"
