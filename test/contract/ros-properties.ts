/**
 * The ROS resource properties and FC trigger settings `template.yml` relies on, with the types and ranges the
 * vendor's pages state, each rule next to the page it comes from. Written from those pages (not copied from them),
 * so a template value the cloud would refuse fails `template-properties.test.ts` here instead of a stack creation.
 * Only what the template uses, or could plausibly use next, is listed; a property missing here fails the test, so
 * adding one means reading its page first.
 */

/** What one property accepts. */
export type PropertyRule = StringRule | NumberRule | BooleanRule | MapRule | ListRule;

interface BaseRule {
  required?: boolean;
  /** Why the rule is as it is, when the page alone does not say. */
  note?: string;
}

/** A string; lengths count characters. */
export interface StringRule extends BaseRule {
  type: "String";
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  allowedValues?: readonly string[];
}

/** An integer or a decimal number. */
export interface NumberRule extends BaseRule {
  type: "Integer" | "Number";
  min?: number;
  max?: number;
  allowedValues?: readonly number[];
}

/** true or false. */
export interface BooleanRule extends BaseRule {
  type: "Boolean";
}

/** An object: either the listed keys only, or any key matching `keyPattern` (free-form maps). */
export interface MapRule extends BaseRule {
  type: "Map";
  /** The page describing this object, when it is not the resource's own page. */
  page?: string;
  properties?: Readonly<Record<string, PropertyRule>>;
  keyPattern?: RegExp;
}

/** An array. */
export interface ListRule extends BaseRule {
  type: "List";
  items?: PropertyRule;
}

/** One ROS resource type. */
export interface ResourceRule {
  /** The vendor's resource page. */
  page: string;
  properties: Readonly<Record<string, PropertyRule>>;
  /** `Fn::GetAtt` attributes the page lists. */
  attributes: readonly string[];
}

const FC3_FUNCTION_PAGE = "https://help.aliyun.com/en/ros/developer-reference/aliyun-fc3-function";
const FC_ENV_PAGE = "https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables";
const FC3_TRIGGER_PAGE = "https://www.alibabacloud.com/help/ros/developer-reference/aliyun-fc3-trigger";
const FC3_API = "https://alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference";
const FC_TRIGGER_LIMITS_PAGE =
  "https://www.alibabacloud.com/help/en/functioncompute/fc/advanced-features-of-triggers";

/** The Function Compute 3.0 runtimes the ALIYUN::FC3::Function page lists. */
export const FC3_RUNTIMES = [
  "nodejs8",
  "nodejs10",
  "nodejs12",
  "nodejs14",
  "nodejs16",
  "nodejs18",
  "nodejs20",
  "go1",
  "python3",
  "python3.9",
  "python3.10",
  "java8",
  "java11",
  "php7.2",
  "dotnetcore3.1",
  "custom",
  "custom.debian10",
  "custom-container",
] as const;

/** FC's total for all of one function's environment variables, keys and values (the environment page). */
export const FC_ENVIRONMENT_LIMIT_BYTES = 4096;

const PUSH_RETRY = ["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"] as const;

/** Rules per ROS resource type. */
export const ROS_RESOURCES: Readonly<Record<string, ResourceRule>> = {
  "ALIYUN::FC3::Function": {
    page: FC3_FUNCTION_PAGE,
    properties: {
      // Letters, digits, "_" and "-"; not starting with a digit or "-"; 1 to 64 characters.
      FunctionName: {
        type: "String",
        required: true,
        minLength: 1,
        maxLength: 64,
        pattern: /^[A-Za-z_][A-Za-z0-9_-]*$/,
      },
      Handler: { type: "String", required: true },
      Runtime: { type: "String", required: true, allowedValues: FC3_RUNTIMES },
      Description: {
        type: "String",
        maxLength: 256,
        note: "256: the ROS resource specification (@alicloud/ros-cdk-fc3 validators)",
      },
      Timeout: { type: "Integer", min: 1, max: 86400, note: "seconds" },
      MemorySize: {
        type: "Integer",
        min: 128,
        max: 32768,
        note: "MB; the smaller of the two maxima the ROS resource specification has published (32768, 65536)",
      },
      Cpu: { type: "Number", min: 0.05, max: 16 },
      DiskSize: { type: "Integer", allowedValues: [512, 10240] },
      InstanceConcurrency: { type: "Integer", min: 1, max: 100 },
      Role: { type: "String" },
      InternetAccess: { type: "Boolean" },
      LogConfig: {
        type: "Map",
        properties: {
          Project: { type: "String" },
          Logstore: { type: "String" },
          EnableRequestMetrics: { type: "Boolean" },
          EnableInstanceMetrics: { type: "Boolean" },
          LogBeginRule: { type: "String" },
        },
      },
      Code: {
        type: "Map",
        properties: {
          OssBucketName: { type: "String" },
          OssObjectName: { type: "String" },
          ZipFile: { type: "String" },
          SourceCode: { type: "String", maxLength: 4096 },
          Checksum: { type: "String" },
        },
      },
      // Keys start with a letter and hold letters, digits and "_"; the 4 KB total is checked by
      // template-env-size.test.ts.
      EnvironmentVariables: {
        type: "Map",
        page: FC_ENV_PAGE,
        keyPattern: /^[A-Za-z][A-Za-z0-9_]*$/,
      },
    },
    attributes: ["ARN", "FunctionId", "FunctionName"],
  },
  "ALIYUN::FC3::Trigger": {
    page: FC3_TRIGGER_PAGE,
    properties: {
      FunctionName: { type: "String", required: true },
      TriggerType: { type: "String", required: true },
      // Letters, digits, "-" and "_"; not starting with a digit or "-"; 1 to 128 characters.
      TriggerName: {
        type: "String",
        required: true,
        minLength: 1,
        maxLength: 128,
        pattern: /^[A-Za-z_][A-Za-z0-9_-]*$/,
      },
      // Checked against TRIGGER_CONFIGS[TriggerType].
      TriggerConfig: { type: "Map", required: true, keyPattern: /^[A-Za-z]+$/ },
      Description: { type: "String" },
      InvocationRole: { type: "String" },
      Qualifier: { type: "String" },
      SourceArn: { type: "String" },
    },
    attributes: ["FunctionName", "UrlIntranet", "TriggerName", "TriggerId", "UrlInternet"],
  },
  "ALIYUN::SLS::Project": {
    page: "https://alibabacloud.com/help/en/ros/developer-reference/aliyun-sls-project",
    properties: {
      // 3 to 63 characters: lowercase letters, digits and "-", starting and ending with a letter or digit.
      Name: {
        type: "String",
        required: true,
        minLength: 3,
        maxLength: 63,
        pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
      },
      // At most 64 characters, none of < > ' \ ".
      Description: { type: "String", maxLength: 64, pattern: /^[^<>'\\"]*$/ },
    },
    attributes: ["Name"],
  },
  "ALIYUN::SLS::Logstore": {
    page: "https://help.aliyun.com/en/ros/developer-reference/aliyun-sls-logstore",
    properties: {
      ProjectName: { type: "String", required: true, minLength: 3, maxLength: 63 },
      // 3 to 36 characters: lowercase letters, digits, "-" and "_", starting and ending with a letter or digit.
      LogstoreName: {
        type: "String",
        required: true,
        minLength: 3,
        maxLength: 36,
        pattern: /^[a-z0-9][a-z0-9_-]*[a-z0-9]$/,
      },
      TTL: { type: "Integer", min: 1, max: 3600, note: "days" },
      ShardCount: { type: "Integer", min: 1, max: 100 },
      AutoSplit: { type: "Boolean" },
      MaxSplitShard: { type: "Integer", min: 1, max: 64 },
    },
    attributes: ["LogstoreName"],
  },
  "ALIYUN::RAM::Role": {
    page: "https://alibabacloud.com/help/en/ros/developer-reference/aliyun-ram-role",
    properties: {
      // 1 to 64 characters: letters, digits, "." and "-".
      RoleName: {
        type: "String",
        required: true,
        minLength: 1,
        maxLength: 64,
        pattern: /^[A-Za-z0-9.-]+$/,
      },
      Description: { type: "String", maxLength: 1024 },
      AssumeRolePolicyDocument: {
        type: "Map",
        required: true,
        properties: {
          Version: { type: "String", required: true },
          Statement: { type: "List", required: true },
        },
      },
      MaxSessionDuration: { type: "Integer", min: 3600, max: 43200 },
      Policies: { type: "List" },
      PolicyAttachments: { type: "Map", keyPattern: /^(System|Custom)$/ },
    },
    attributes: ["Arn", "RoleId", "RoleName"],
  },
  "ALIYUN::RAM::ManagedPolicy": {
    page: "https://alibabacloud.com/help/en/ros/developer-reference/aliyun-ram-managedpolicy",
    properties: {
      PolicyName: {
        type: "String",
        required: true,
        minLength: 1,
        maxLength: 128,
        pattern: /^[A-Za-z0-9-]+$/,
        note: "characters: RAM's CreatePolicy page (letters, digits and hyphens)",
      },
      Description: { type: "String", maxLength: 1024 },
      PolicyDocument: {
        type: "Map",
        properties: {
          Version: { type: "String", required: true },
          Statement: { type: "List", required: true },
        },
      },
      Roles: { type: "List" },
      Users: { type: "List" },
      Groups: { type: "List" },
    },
    attributes: ["PolicyName"],
  },
  "ALIYUN::MNS::Queue": {
    page: "https://www.alibabacloud.com/help/doc-detail/116238.html",
    properties: {
      // Up to 256 characters: letters, digits and "-", starting with a letter or digit.
      QueueName: {
        type: "String",
        required: true,
        minLength: 1,
        maxLength: 256,
        pattern: /^[A-Za-z0-9][A-Za-z0-9-]*$/,
      },
      DelaySeconds: { type: "Integer", min: 0, max: 604800 },
      MaximumMessageSize: { type: "Integer", min: 1024, max: 65536, note: "bytes" },
      MessageRetentionPeriod: { type: "Integer", min: 60, max: 604800, note: "seconds" },
      VisibilityTimeout: { type: "Integer", min: 1, max: 43200, note: "seconds" },
      PollingWaitSeconds: { type: "Integer", min: 0, max: 30 },
      LoggingEnabled: { type: "Boolean" },
    },
    // ARN.WithSlash (acs:mns:<region>:<account>:/queues/<name>) is the form the EventBridge dead-letter queue takes.
    attributes: ["ARN", "ARN.WithSlash", "QueueName", "QueueUrl"],
  },
  "ALIYUN::EventBridge::Rule": {
    page: "https://www.alibabacloud.com/help/en/ros/developer-reference/aliyun-eventbridge-rule",
    properties: {
      EventBusName: { type: "String", required: true },
      RuleName: { type: "String", required: true },
      // JSON; each field of the pattern takes at most five values.
      FilterPattern: { type: "Map", required: true, keyPattern: /^[a-z][a-z0-9]*$/ },
      Targets: {
        type: "List",
        required: true,
        items: {
          type: "Map",
          properties: {
            Id: { type: "String", required: true },
            Type: { type: "String", required: true },
            Endpoint: { type: "String", required: true },
            ParamList: {
              type: "List",
              required: true,
              items: {
                type: "Map",
                properties: {
                  ResourceKey: { type: "String", required: true },
                  Form: {
                    type: "String",
                    required: true,
                    allowedValues: ["ORIGINAL", "TEMPLATE", "JSONPATH", "CONSTANT"],
                    note: "the forms of the event-target parameters page",
                  },
                  Value: { type: "String" },
                  Template: { type: "String" },
                },
              },
            },
            PushRetryStrategy: { type: "String", allowedValues: PUSH_RETRY },
            DeadLetterQueue: {
              type: "Map",
              properties: {
                Arn: {
                  type: "String",
                  pattern: /^acs:mns:[a-z0-9-]+:[0-9]+:\/queues\/[A-Za-z0-9-]+$/,
                  note: "an MNS queue's ARN.WithSlash, as the event-target parameters page writes it",
                },
              },
            },
            ErrorsTolerance: { type: "String", allowedValues: ["ALL", "NONE"] },
            ConcurrentConfig: { type: "Map", properties: { Concurrency: { type: "Integer", min: 1 } } },
          },
        },
      },
      Status: { type: "String", allowedValues: ["ENABLE", "DISABLE"] },
      Description: { type: "String" },
    },
    attributes: ["EventBusName", "RuleName"],
  },
};

/** FC 3.0 trigger configurations (the FC API's structs, which ALIYUN::FC3::Trigger passes on), per trigger type. */
export const TRIGGER_CONFIGS: Readonly<Record<string, MapRule>> = {
  http: {
    type: "Map",
    page: `${FC3_API}/api-fc-2023-03-30-struct-httptriggerconfig`,
    properties: {
      authType: { type: "String", allowedValues: ["anonymous", "function"] },
      authConfig: { type: "String" },
      methods: {
        type: "List",
        items: {
          type: "String",
          allowedValues: ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"],
        },
      },
      disableURLInternet: { type: "Boolean" },
    },
  },
  eventbridge: {
    type: "Map",
    page: "https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-eventbridgetriggerconfig",
    properties: {
      triggerEnable: { type: "Boolean" },
      asyncInvocationType: {
        type: "Boolean",
        note: "the FC 2.0 and FC 3.0 pages give true and false opposite meanings; docs/deploy.md says how to check",
      },
      eventRuleFilterPattern: { type: "String" },
      eventSourceConfig: {
        type: "Map",
        page: `${FC3_API}/api-fc-2023-03-30-struct-eventsourceconfig`,
        properties: {
          eventSourceType: {
            type: "String",
            allowedValues: ["Default", "MNS", "RocketMQ", "RabbitMQ", "Kafka", "MQTT", "DTS"],
          },
          eventSourceParameters: {
            type: "Map",
            properties: {
              sourceMNSParameters: {
                type: "Map",
                page: `${FC3_API}/api-fc-2023-03-30-struct-sourcemnsparameters`,
                properties: {
                  RegionId: { type: "String" },
                  QueueName: { type: "String" },
                  IsBase64Decode: { type: "Boolean", note: "default true" },
                },
              },
            },
          },
        },
      },
      // FC 3.0's DeliveryOption has no `mode` (FC 2.0's marks it deprecated): the mode lives in runOptions.
      eventSinkConfig: {
        type: "Map",
        properties: {
          deliveryOption: {
            type: "Map",
            page: "https://www.alibabacloud.com/help/id/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-deliveryoption",
            properties: {
              eventSchema: { type: "String", allowedValues: ["CloudEvents", "RawData"] },
              concurrency: { type: "Integer", note: "Kafka sources only" },
            },
          },
        },
      },
      // FC 3.0's RunOptions has no `maximumTasks` (FC 2.0's applied it to Kafka only).
      runOptions: {
        type: "Map",
        page: `${FC3_API}/api-fc-2023-03-30-struct-runoptions`,
        properties: {
          mode: { type: "String", allowedValues: ["event-streaming", "event-driven"] },
          errorsTolerance: { type: "String", allowedValues: ["ALL", "NONE"] },
          retryStrategy: {
            type: "Map",
            page: "https://www.alibabacloud.com/help/id/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-retrystrategy",
            properties: { PushRetryStrategy: { type: "String", allowedValues: PUSH_RETRY } },
          },
          deadLetterQueue: {
            type: "Map",
            properties: {
              Arn: {
                type: "String",
                pattern: /^acs:mns:[a-z0-9-]+:[0-9]+:\/queues\/[A-Za-z0-9-]+$/,
                note: "an MNS queue's ARN.WithSlash",
              },
            },
          },
          batchWindow: {
            type: "Map",
            page: FC_TRIGGER_LIMITS_PAGE,
            properties: {
              CountBasedWindow: { type: "Integer", min: 1, max: 10000, note: "messages" },
              TimeBasedWindow: { type: "Integer", min: 0, max: 15, note: "seconds" },
            },
          },
        },
      },
    },
  },
};
