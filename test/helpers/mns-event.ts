/**
 * One message of an EventBridge MNS queue batch, as the EventBridge trigger hands it to queue-worker
 * (docs/fc-conventions.md): `source` is `MNS-<function>-<trigger>`, the body is `data.messageBody`, Base64-encoded
 * when the trigger's `IsBase64Decode` is false.
 * @example await queue(Buffer.from(JSON.stringify([mnsQueueEvent("msg-1", JSON.stringify(rule))])), context)
 */
export function mnsQueueEvent(messageId: string, body: string, options: { base64?: boolean } = {}) {
  return {
    id: `evt-${messageId}`,
    source: "MNS-ens-egress-queue-worker-mns-queue",
    specversion: "1.0",
    type: "mns:Queue:SendMessage",
    subject: "acs:mns:cn-hangzhou:1234567890123456:queues/ens-egress",
    datacontenttype: "application/json; charset=utf-8",
    time: new Date().toISOString(),
    aliyunaccountid: "1234567890123456",
    data: {
      requestId: `req-${messageId}`,
      messageId,
      messageBody: options.base64 ? Buffer.from(body).toString("base64") : body,
    },
  };
}
