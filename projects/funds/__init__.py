"""A project's money (资金): allocated (下达), arrived (到位) and paid (支付) by funding source, the
payment rate and its light, idle funds. Map: docs/funds.md."""
