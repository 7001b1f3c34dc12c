/**
 * The REST API, built from `shared/api/routes.ts`: one resource and method per route, every
 * method a Lambda-proxy integration with the one api function, the REQUEST authorizer on every
 * route that is not public, and the authorizer as the API key source so each partner key's usage
 * plan (created at run time by the api function) throttles that partner.
 */
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { routes, type RouteSpec } from '../../../shared/api/routes';
import { functions } from '../../manifest';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import { acknowledge, acknowledgeManagedPolicies, acknowledgeWildcards } from '../nag';
import { addCjkFont, cjkFontLayer } from './reports-stack';
import type { StageConfig } from '../stage';

/** API Gateway stage name; a literal so the function's REST_API_STAGE does not depend on the stage resource. */
export const API_STAGE_NAME = 'v1';

/**
 * Partner systems (ERP, e-shop, CRM) call these with signed API keys, so API Gateway requires a
 * usage identifier key on them: partners get theirs from the authorizer per key; console users get
 * the console usage key (CONSOLE_USAGE_KEY) from the authorizer too, or these methods answer 403.
 */
export function isPartnerCallable(route: RouteSpec): boolean {
  return route.access !== 'public' && (route.tag === 'contacts' || route.operationId === 'getMe' || route.operationId === 'triggerCampaign');
}

export interface ApiStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly resources: PigeonResources;
  readonly userPool: cognito.IUserPool;
  readonly consoleClient: cognito.IUserPoolClient;
  readonly issuerUrl: string;
  readonly jwksUrl: string;
  readonly apiKeysKey: kms.IKey;
  /** `https://<distribution domain>`: CORS and gateway responses allow only it. */
  readonly consoleOrigin: string;
  /** Campaign schedules: the stage's group, the role they run as, and the planner they invoke (by name, so no cycle). */
  readonly scheduling: { readonly groupName: string; readonly roleArn: string; readonly plannerFunctionName: string };
  /** ASSETS_BASE_URL: hosted images and files in previews. */
  readonly assetsUrl: string;
}

/** Gateway-made errors, shaped like the api function's own (application/problem+json, RFC 9457). */
const PROBLEM_RESPONSES: readonly { type: apigw.ResponseType; status?: number; title: string }[] = [
  { type: apigw.ResponseType.UNAUTHORIZED, status: 401, title: 'Unauthorized' },
  { type: apigw.ResponseType.ACCESS_DENIED, status: 403, title: 'Forbidden' },
  { type: apigw.ResponseType.THROTTLED, status: 429, title: 'Too Many Requests' },
  // The default responses cover many statuses (413, 415, 502…): API Gateway keeps each one's own.
  { type: apigw.ResponseType.DEFAULT_4XX, title: 'Request rejected' },
  { type: apigw.ResponseType.DEFAULT_5XX, title: 'Gateway error' },
];

export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly apiFunction: PigeonFunction;
  readonly authorizerFunction: PigeonFunction;
  /** The CJK font (CJK_FONT_PATH) for report PDFs the api function renders. */
  readonly fontLayer: lambda.LayerVersion;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  readonly defaultUsagePlan: apigw.UsagePlan;
  /** The stage's invoke URL (ends with `/v1/`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const jwtEnv = { JWT_ISSUER: props.issuerUrl, JWT_AUDIENCE: props.consoleClient.userPoolClientId, JWKS_URL: props.jwksUrl };
    // API key values are only ever taken from the authorizer (never from clients), so this value
    // is an identifier, not a secret; unique per stage because API key values are per account.
    const consoleUsageKey = `pigeon-${stage.name}-console-usage`;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.removalPolicy,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      description: `Pigeon ${stage.name} API`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: stage.apiGatewayCloudWatchRole,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Request bodies carry personal data: never into execution logs.
        dataTraceEnabled: false,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [props.consoleOrigin],
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization', 'If-Match', 'X-Pigeon-Date', 'X-Pigeon-Nonce', 'X-Pigeon-Content-SHA256'],
        exposeHeaders: ['Location', 'ETag'],
        maxAge: Duration.hours(1),
      },
    });
    if (stage.apiGatewayCloudWatchRole) {
      acknowledgeManagedPolicies(this.api, 'The account-wide API Gateway logging role; AWS maintains exactly this policy for it', [
        /^Policy::arn:(<AWS::Partition>|[a-z-]+):iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/,
      ]);
    }
    acknowledge(this.api, 'AwsSolutions-APIG2', 'Every body and query is validated by the api function (zod), which answers problem+json naming the field');
    acknowledge(this.api, 'AwsSolutions-APIG3', 'No WAF yet: requests are signed or carry a JWT, and stage and usage-plan throttling cap abuse');

    this.authorizerFunction = new PigeonFunction(this, 'AuthorizerFunction', {
      name: 'authorizer',
      declaration: functions.authorizer,
      stage: stage.name,
      logRetentionDays: stage.logRetentionDays,
      removalPolicy: stage.removalPolicy,
      environment: { ...jwtEnv, CONSOLE_USAGE_KEY: consoleUsageKey },
    }).use(functions.authorizer.uses, props.resources);
    // Partner secrets are stored encrypted; the authorizer decrypts one to check a signature.
    this.authorizerFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.apiKeysKey.keyArn] }),
    );
    this.authorizerFunction.addEnvironment('API_KEYS_KMS_KEY_ID', props.apiKeysKey.keyArn);

    this.apiFunction = new PigeonFunction(this, 'ApiFunction', {
      name: 'api',
      declaration: functions.api,
      stage: stage.name,
      logRetentionDays: stage.logRetentionDays,
      removalPolicy: stage.removalPolicy,
      environment: {
        ...jwtEnv,
        COGNITO_USER_POOL_ID: props.userPool.userPoolId,
        COGNITO_CLIENT_ID: props.consoleClient.userPoolClientId,
        API_KEYS_KMS_KEY_ID: props.apiKeysKey.keyArn,
        // The API's id is known before its deployment exists, so this creates no cycle.
        REST_API_ID: this.api.restApiId,
        REST_API_STAGE: API_STAGE_NAME,
        CONSOLE_ORIGIN: props.consoleOrigin,
        SCHEDULER_GROUP_NAME: props.scheduling.groupName,
        SCHEDULER_ROLE_ARN: props.scheduling.roleArn,
        SCHEDULER_TARGET_CAMPAIGN_PLANNER_ARN: this.plannerArn(props),
        ASSETS_BASE_URL: props.assetsUrl,
      },
    }).use(functions.api.uses, props.resources);
    this.grantApiFunction(props);
    // Report downloads render PDFs too: the font layer, built here from the same asset as the
    // reports stack's (a layer version ARN taken from there would be an export CloudFormation
    // cannot change while this stack imports it).
    this.fontLayer = cjkFontLayer(this, 'CjkFontLayer', stage.removalPolicy);
    addCjkFont(this.apiFunction, this.fontLayer);

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: this.authorizerFunction.function,
      // Both console JWTs and partner signatures arrive in Authorization; without it, 401 at once.
      identitySources: [apigw.IdentitySource.header('Authorization')],
      // Every signed request is unique (date, nonce), so a cached answer could never be reused.
      resultsCacheTtl: Duration.seconds(0),
    });

    const integration = new apigw.LambdaIntegration(this.apiFunction.function, { proxy: true, allowTestInvoke: false });
    for (const route of routes) {
      const resource = this.api.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, integration, {
        operationName: route.operationId,
        ...(route.access === 'public'
          ? { authorizationType: apigw.AuthorizationType.NONE }
          : { authorizer: this.authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }),
        apiKeyRequired: isPartnerCallable(route),
      });
      if (route.access === 'public') {
        acknowledge(method, 'AwsSolutions-APIG4', `${route.method} ${route.path} is public by design (routes.ts)`);
        acknowledge(method, 'AwsSolutions-COG4', `${route.method} ${route.path} is public by design (routes.ts)`);
      } else {
        acknowledge(method, 'AwsSolutions-COG4', 'The Lambda authorizer verifies Cognito ID tokens and also accepts signed partner API keys, which a Cognito authorizer cannot');
      }
    }
    // CORS preflight answers (OPTIONS) carry no credentials by definition.
    for (const method of this.api.methods.filter((candidate) => candidate.httpMethod === 'OPTIONS')) {
      acknowledge(method, 'AwsSolutions-APIG4', 'CORS preflight requests carry no credentials');
      acknowledge(method, 'AwsSolutions-COG4', 'CORS preflight requests carry no credentials');
    }

    for (const response of PROBLEM_RESPONSES) {
      this.api.addGatewayResponse(`Problem${response.type.responseType}`, {
        type: response.type,
        ...(response.status === undefined ? {} : { statusCode: String(response.status) }),
        responseHeaders: {
          'Content-Type': "'application/problem+json'",
          'Access-Control-Allow-Origin': `'${props.consoleOrigin}'`,
          Vary: "'Origin'",
        },
        templates: { 'application/json': problemTemplate(response.title, response.status) },
      });
    }

    // Console traffic shares one plan; partner keys get a plan each, created by the api function.
    this.defaultUsagePlan = this.api.addUsagePlan('DefaultUsagePlan', {
      description: `Pigeon ${stage.name}: console users`,
      throttle: { rateLimit: 50, burstLimit: 100 },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    const consoleKey = new apigw.ApiKey(this, 'ConsoleUsageKey', {
      description: `Pigeon ${stage.name}: usage identifier the authorizer returns for console users`,
      value: consoleUsageKey,
    });
    this.defaultUsagePlan.addApiKey(consoleKey);

    this.url = this.api.url;
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the REST API' });
    // `npm run create-admin` reads the api function's configuration to reach the same resources.
    new CfnOutput(this, 'ApiFunctionName', { value: this.apiFunction.function.functionName, description: 'The api Lambda function' });
  }

  /** Least privilege for the admin and API-key operations the api function performs. */
  private plannerArn(props: ApiStackProps): string {
    return this.formatArn({ service: 'lambda', resource: 'function', resourceName: props.scheduling.plannerFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private grantApiFunction(props: ApiStackProps): void {
    const role = this.apiFunction.role;
    // Campaign schedules: only in the stage's group, only run as its role.
    const schedules = `arn:${this.partition}:scheduler:${this.region}:${this.account}:schedule/${props.scheduling.groupName}/*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], resources: [schedules] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [props.scheduling.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }),
    );
    acknowledgeWildcards(role, 'Schedules are named per campaign at run time; access is limited to the stage\'s schedule group', [/^Resource::arn:.*:scheduler:.*:schedule\/.*\/\*$/]);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminGetUser',
          'cognito-idp:AdminUpdateUserAttributes',
          'cognito-idp:AdminDisableUser',
          'cognito-idp:AdminEnableUser',
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminRemoveUserFromGroup',
          'cognito-idp:AdminListGroupsForUser',
          'cognito-idp:AdminSetUserPassword',
          'cognito-idp:AdminResetUserPassword',
          'cognito-idp:AdminUserGlobalSignOut',
        ],
        resources: [props.userPool.userPoolArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Encrypt', 'kms:Decrypt'], resources: [props.apiKeysKey.keyArn] }),
    );
    // Per-key usage plans: create the key and its plan, attach them, and on revocation detach
    // (PATCH) and delete. API Gateway has no finer resource than these paths.
    const apigwArn = (path: string): string => `arn:${this.partition}:apigateway:${this.region}::${path}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:POST', 'apigateway:DELETE', 'apigateway:PATCH', 'apigateway:GET'],
        resources: [apigwArn('/usageplans'), apigwArn('/usageplans/*'), apigwArn('/apikeys'), apigwArn('/apikeys/*')],
      }),
    );
    acknowledgeWildcards(role, 'Usage plans and API keys are created per partner key at run time; their ids are not known in advance', [
      /^Resource::arn:(<AWS::Partition>|[a-z-]+):apigateway:(<AWS::Region>|[a-z0-9-]+)::\/(usageplans|apikeys)\/\*$/,
    ]);
  }
}

/** A problem+json body built from API Gateway's own message (messageString is already JSON-quoted). */
function problemTemplate(title: string, status: number | undefined): string {
  const statusField = status === undefined ? '' : `"status":${status},`;
  return `{"type":"about:blank","title":"${title}",${statusField}"detail":$context.error.messageString,"instance":"$context.path"}`;
}
