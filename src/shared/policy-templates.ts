/**
 * Starting points for new policies, written as Apigee's policy reference shows them (OAuthV2 samples
 * and element defaults from the OAuthV2 reference; the others from their policy references).
 */

export interface PolicyTemplate {
  id: string
  /** What the menu shows, e.g. `GenerateAccessToken (password)`. */
  label: string
  group: 'OAuthV2' | 'Security' | 'Mediation' | 'Traffic' | 'Extension'
  /** One line: what the policy does. */
  summary: string
  /** The suggested policy name; the user may change it. */
  defaultName: string
  /** Where a Step for it usually belongs; the editor offers the PreFlow when this is `preflow`. */
  placement: 'preflow' | 'flow'
  xml(name: string): string
  /** A resource file the policy needs (JavaScript's script), by path under `resources/`. */
  resource?(name: string): { path: string; content: string }
}

const xmlName = (name: string): string => name.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export const policyTemplates: PolicyTemplate[] = [
  {
    id: 'verify-access-token',
    label: 'VerifyAccessToken',
    group: 'OAuthV2',
    summary: 'Checks the Bearer token in the Authorization header and its API products.',
    defaultName: 'OAuthV2-Verify-Access-Token',
    placement: 'preflow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>VerifyAccessToken</Operation>
</OAuthV2>
`
  },
  {
    id: 'generate-access-token-client-credentials',
    label: 'GenerateAccessToken (client_credentials)',
    group: 'OAuthV2',
    summary: 'Issues an access token to an app that authenticates with its key and secret.',
    defaultName: 'OAuthV2-Generate-Access-Token-CC',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <!-- This policy generates an OAuth 2.0 access token using the client_credentials grant type -->
  <Operation>GenerateAccessToken</Operation>
  <!-- This is in milliseconds, so expire in an hour -->
  <ExpiresIn>3600000</ExpiresIn>
  <SupportedGrantTypes>
    <GrantType>client_credentials</GrantType>
  </SupportedGrantTypes>
  <GrantType>request.queryparam.grant_type</GrantType>
  <GenerateResponse/>
</OAuthV2>
`
  },
  {
    id: 'generate-access-token-password',
    label: 'GenerateAccessToken (password)',
    group: 'OAuthV2',
    summary: 'Issues an access token and a refresh token for a user name and password.',
    defaultName: 'OAuthV2-Generate-Access-Token-Password',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>GenerateAccessToken</Operation>
  <ExpiresIn>3600000</ExpiresIn>
  <RefreshTokenExpiresIn>86400000</RefreshTokenExpiresIn>
  <SupportedGrantTypes>
    <GrantType>password</GrantType>
  </SupportedGrantTypes>
  <GrantType>request.formparam.grant_type</GrantType>
  <UserName>request.formparam.username</UserName>
  <PassWord>request.formparam.password</PassWord>
  <GenerateResponse enabled="true"/>
</OAuthV2>
`
  },
  {
    id: 'generate-access-token-authorization-code',
    label: 'GenerateAccessToken (authorization_code)',
    group: 'OAuthV2',
    summary: 'Exchanges an authorization code for an access token and a refresh token.',
    defaultName: 'OAuthV2-Generate-Access-Token-Code',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>GenerateAccessToken</Operation>
  <ExpiresIn>3600000</ExpiresIn>
  <RefreshTokenExpiresIn>86400000</RefreshTokenExpiresIn>
  <SupportedGrantTypes>
    <GrantType>authorization_code</GrantType>
  </SupportedGrantTypes>
  <GrantType>request.formparam.grant_type</GrantType>
  <Code>request.formparam.code</Code>
  <ClientId>request.formparam.client_id</ClientId>
  <RedirectUri>request.formparam.redirect_uri</RedirectUri>
  <GenerateResponse enabled="true"/>
</OAuthV2>
`
  },
  {
    id: 'refresh-access-token',
    label: 'RefreshAccessToken',
    group: 'OAuthV2',
    summary: 'Issues a new access token for a refresh token (grant_type=refresh_token).',
    defaultName: 'OAuthV2-Refresh-Access-Token',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>RefreshAccessToken</Operation>
  <ExpiresIn>3600000</ExpiresIn>
  <RefreshTokenExpiresIn>86400000</RefreshTokenExpiresIn>
  <GrantType>request.formparam.grant_type</GrantType>
  <RefreshToken>request.formparam.refresh_token</RefreshToken>
  <GenerateResponse enabled="true"/>
</OAuthV2>
`
  },
  {
    id: 'generate-authorization-code',
    label: 'GenerateAuthorizationCode',
    group: 'OAuthV2',
    summary: 'Issues an authorization code and redirects to the app’s callback URL.',
    defaultName: 'OAuthV2-Generate-Authorization-Code',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>GenerateAuthorizationCode</Operation>
  <ExpiresIn>600000</ExpiresIn>
  <ClientId>request.queryparam.client_id</ClientId>
  <RedirectUri>request.queryparam.redirect_uri</RedirectUri>
  <ResponseType>request.queryparam.response_type</ResponseType>
  <Scope>request.queryparam.scope</Scope>
  <State>request.queryparam.state</State>
  <GenerateResponse enabled="true"/>
</OAuthV2>
`
  },
  {
    id: 'invalidate-token',
    label: 'InvalidateToken',
    group: 'OAuthV2',
    summary: 'Revokes an access token (and, with cascade, its refresh token).',
    defaultName: 'OAuthV2-Invalidate-Token',
    placement: 'flow',
    xml: (name) => `<OAuthV2 name="${xmlName(name)}">
  <Operation>InvalidateToken</Operation>
  <Tokens>
    <Token type="accesstoken" cascade="true">request.formparam.token</Token>
  </Tokens>
</OAuthV2>
`
  },
  {
    id: 'verify-api-key',
    label: 'VerifyAPIKey',
    group: 'Security',
    summary: 'Checks an API key (here the apikey query parameter) and its API products.',
    defaultName: 'Verify-API-Key',
    placement: 'preflow',
    xml: (name) => `<VerifyAPIKey name="${xmlName(name)}">
  <APIKey ref="request.queryparam.apikey"/>
</VerifyAPIKey>
`
  },
  {
    id: 'assign-message',
    label: 'AssignMessage',
    group: 'Mediation',
    summary: 'Sets headers, query parameters or the payload of the request or response.',
    defaultName: 'AM-Set-Header',
    placement: 'flow',
    xml: (name) => `<AssignMessage name="${xmlName(name)}">
  <Set>
    <Headers>
      <Header name="X-Gatelab">{request.verb}</Header>
    </Headers>
  </Set>
  <IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>
  <AssignTo createNew="false" transport="http" type="request"/>
</AssignMessage>
`
  },
  {
    id: 'raise-fault',
    label: 'RaiseFault',
    group: 'Mediation',
    summary: 'Stops the flow and answers with a custom error response.',
    defaultName: 'RF-Forbidden',
    placement: 'flow',
    xml: (name) => `<RaiseFault name="${xmlName(name)}">
  <IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>
  <FaultResponse>
    <Set>
      <StatusCode>403</StatusCode>
      <ReasonPhrase>Forbidden</ReasonPhrase>
      <Payload contentType="application/json">{"error":"forbidden"}</Payload>
    </Set>
  </FaultResponse>
</RaiseFault>
`
  },
  {
    id: 'javascript',
    label: 'JavaScript',
    group: 'Extension',
    summary: 'Runs a script from the proxy’s resources (jsc://) with the flow variables in context.',
    defaultName: 'JS-Script',
    placement: 'flow',
    xml: (name) => `<Javascript name="${xmlName(name)}" timeLimit="200">
  <ResourceURL>jsc://${name}.js</ResourceURL>
</Javascript>
`,
    resource: (name) => ({
      path: `jsc/${name}.js`,
      content: `// Runs in the flow where the ${name} step is attached; "context" reads and writes flow variables.
var verb = context.getVariable('request.verb');
context.setVariable('request.header.X-Script-Verb', verb);
`
    })
  },
  {
    id: 'xml-to-json',
    label: 'XMLToJSON',
    group: 'Mediation',
    summary: 'Converts an XML response (or a string variable) into JSON.',
    defaultName: 'XML-to-JSON-1',
    placement: 'flow',
    xml: (name) => `<XMLToJSON async="false" continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Properties/>
  <Format>yahoo</Format>
  <OutputVariable>response</OutputVariable>
  <Source>response</Source>
</XMLToJSON>
`
  },
  {
    id: 'json-to-xml',
    label: 'JSONToXML',
    group: 'Mediation',
    summary: 'Converts a JSON request (or a string variable) into XML.',
    defaultName: 'JSON-to-XML-1',
    placement: 'flow',
    xml: (name) => `<JSONToXML async="false" continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Properties/>
  <Options>
    <NullValue>NULL</NullValue>
    <NamespaceBlockName>#namespaces</NamespaceBlockName>
    <DefaultNamespaceNodeName>$default</DefaultNamespaceNodeName>
    <NamespaceSeparator>:</NamespaceSeparator>
    <TextNodeName>#text</TextNodeName>
    <AttributeBlockName>#attrs</AttributeBlockName>
    <AttributePrefix>@</AttributePrefix>
    <InvalidCharsReplacement>_</InvalidCharsReplacement>
    <ObjectRootElementName>Root</ObjectRootElementName>
    <ArrayRootElementName>Array</ArrayRootElementName>
    <ArrayItemElementName>Item</ArrayItemElementName>
  </Options>
  <OutputVariable>request</OutputVariable>
  <Source>request</Source>
</JSONToXML>
`
  },
  {
    id: 'quota',
    label: 'Quota',
    group: 'Traffic',
    summary: 'Allows a number of requests per app (client_id) per time interval; 429 beyond it.',
    defaultName: 'Quota-Per-App',
    placement: 'preflow',
    xml: (name) => `<Quota name="${xmlName(name)}" type="calendar">
  <Allow count="100" countRef="request.header.allowed_quota"/>
  <Interval ref="request.header.quota_count">1</Interval>
  <TimeUnit ref="request.header.quota_timeout">hour</TimeUnit>
  <StartTime>2026-1-1 00:00:00</StartTime>
  <Identifier ref="client_id"/>
  <Distributed>true</Distributed>
  <Synchronous>false</Synchronous>
</Quota>
`
  },
  {
    id: 'spike-arrest',
    label: 'SpikeArrest',
    group: 'Traffic',
    summary: 'Smooths traffic spikes: 30pm lets one request through every 2 seconds.',
    defaultName: 'Spike-Arrest',
    placement: 'preflow',
    xml: (name) => `<SpikeArrest name="${xmlName(name)}">
  <Rate>30pm</Rate>
  <Identifier ref="client_id"/>
  <UseEffectiveCount>false</UseEffectiveCount>
</SpikeArrest>
`
  },
  {
    id: 'reset-quota',
    label: 'ResetQuota',
    group: 'Traffic',
    summary: 'Gives requests back to a Quota policy’s counter for an identifier.',
    defaultName: 'Reset-Quota',
    placement: 'flow',
    xml: (name) => `<ResetQuota name="${xmlName(name)}">
  <Quota name="Quota-Per-App">
    <Identifier ref="client_id">
      <Allow>1</Allow>
    </Identifier>
  </Quota>
</ResetQuota>
`
  },
  {
    id: 'cors',
    label: 'CORS',
    group: 'Security',
    summary: 'Answers browser preflight requests and adds the CORS headers to responses for allowed origins.',
    defaultName: 'Add-CORS',
    placement: 'preflow',
    xml: (name) => `<CORS continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <AllowOrigins>{request.header.origin}</AllowOrigins>
  <AllowMethods>GET, PUT, POST, DELETE</AllowMethods>
  <AllowHeaders>origin, x-requested-with, accept, content-type</AllowHeaders>
  <ExposeHeaders>*</ExposeHeaders>
  <MaxAge>3628800</MaxAge>
  <AllowCredentials>false</AllowCredentials>
  <GeneratePreflightResponse>true</GeneratePreflightResponse>
  <IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>
</CORS>
`
  },
  {
    id: 'json-threat-protection',
    label: 'JSONThreatProtection',
    group: 'Security',
    summary: 'Rejects JSON payloads that exceed depth, size and count limits before anything parses them.',
    defaultName: 'JSON-Threat-Protection',
    placement: 'preflow',
    xml: (name) => `<JSONThreatProtection continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <ArrayElementCount>20</ArrayElementCount>
  <ContainerDepth>10</ContainerDepth>
  <ObjectEntryCount>15</ObjectEntryCount>
  <ObjectEntryNameLength>50</ObjectEntryNameLength>
  <Source>request</Source>
  <StringValueLength>500</StringValueLength>
</JSONThreatProtection>
`
  },
  {
    id: 'xml-threat-protection',
    label: 'XMLThreatProtection',
    group: 'Security',
    summary: 'Rejects XML payloads that exceed name, structure and value limits before anything parses them.',
    defaultName: 'XML-Threat-Protection',
    placement: 'preflow',
    xml: (name) => `<XMLThreatProtection continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <NameLimits>
    <Element>10</Element>
    <Attribute>10</Attribute>
    <NamespacePrefix>10</NamespacePrefix>
    <ProcessingInstructionTarget>10</ProcessingInstructionTarget>
  </NameLimits>
  <Source>request</Source>
  <StructureLimits>
    <NodeDepth>5</NodeDepth>
    <AttributeCountPerElement>2</AttributeCountPerElement>
    <NamespaceCountPerElement>3</NamespaceCountPerElement>
    <ChildCount includeComment="true" includeElement="true" includeProcessingInstruction="true" includeText="true">3</ChildCount>
  </StructureLimits>
  <ValueLimits>
    <Text>15</Text>
    <Attribute>10</Attribute>
    <NamespaceURI>10</NamespaceURI>
    <Comment>10</Comment>
    <ProcessingInstructionData>10</ProcessingInstructionData>
  </ValueLimits>
</XMLThreatProtection>
`
  },
  {
    id: 'access-entity',
    label: 'AccessEntity',
    group: 'Security',
    summary: 'Reads the developer (or app, API product, key) of a consumer key into AccessEntity.<policy>.',
    defaultName: 'Access-Developer',
    placement: 'flow',
    xml: (name) => `<AccessEntity continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <EntityType value="developer"/>
  <EntityIdentifier ref="request.queryparam.apikey" type="consumerkey"/>
  <OutputFormat>XML</OutputFormat>
</AccessEntity>
`
  },
  {
    id: 'generate-jwt',
    label: 'GenerateJWT',
    group: 'Security',
    summary: 'Signs a JWT with the configured claims into jwt.<policy>.generated_jwt (or OutputVariable).',
    defaultName: 'Generate-JWT',
    placement: 'flow',
    xml: (name) => `<GenerateJWT continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Algorithm>HS256</Algorithm>
  <SecretKey>
    <Value ref="private.secretkey"/>
  </SecretKey>
  <Subject ref="client_id"/>
  <Issuer>urn://gatelab</Issuer>
  <Audience>orders</Audience>
  <ExpiresIn>1h</ExpiresIn>
  <Id/>
  <AdditionalClaims>
    <Claim name="scope" ref="scope"/>
  </AdditionalClaims>
  <OutputVariable>output-jwt</OutputVariable>
  <IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>
</GenerateJWT>
`
  },
  {
    id: 'verify-jwt',
    label: 'VerifyJWT',
    group: 'Security',
    summary: 'Verifies the Bearer JWT (signature, times, issuer, audience) and sets jwt.<policy>.* from its claims.',
    defaultName: 'Verify-JWT',
    placement: 'preflow',
    xml: (name) => `<VerifyJWT continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Algorithm>RS256</Algorithm>
  <PublicKey>
    <JWKS uri="https://idp.example.com/.well-known/jwks.json"/>
  </PublicKey>
  <Issuer>https://idp.example.com</Issuer>
  <Audience>orders</Audience>
  <TimeAllowance>30s</TimeAllowance>
</VerifyJWT>
`
  },
  {
    id: 'decode-jwt',
    label: 'DecodeJWT',
    group: 'Security',
    summary: 'Reads the header and claims of the Bearer JWT into jwt.<policy>.* without verifying it.',
    defaultName: 'Decode-JWT',
    placement: 'flow',
    xml: (name) => `<DecodeJWT continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Source>request.header.x-jwt</Source>
</DecodeJWT>
`
  },
  {
    id: 'service-callout',
    label: 'ServiceCallout',
    group: 'Extension',
    summary: 'Calls another HTTP service mid-flow and keeps its answer in a response variable.',
    defaultName: 'Service-Callout',
    placement: 'flow',
    xml: (name) => `<ServiceCallout name="${xmlName(name)}" continueOnError="false">
  <Request variable="myRequest" clearPayload="true">
    <Set>
      <Verb>GET</Verb>
      <QueryParams>
        <QueryParam name="id">{request.queryparam.id}</QueryParam>
      </QueryParams>
    </Set>
    <IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables>
  </Request>
  <Response>calloutResponse</Response>
  <Timeout>30000</Timeout>
  <HTTPTargetConnection>
    <Properties>
      <Property name="success.codes">1xx,2xx,3xx</Property>
    </Properties>
    <URL>https://example.com/lookup</URL>
  </HTTPTargetConnection>
</ServiceCallout>
`
  },
  {
    id: 'populate-cache',
    label: 'PopulateCache',
    group: 'Traffic',
    summary: 'Stores a flow variable in the cache under a key, for a time.',
    defaultName: 'Populate-Cache',
    placement: 'flow',
    xml: (name) => `<PopulateCache name="${xmlName(name)}">
  <CacheResource>mycache</CacheResource>
  <Scope>Exclusive</Scope>
  <CacheKey>
    <KeyFragment ref="request.queryparam.id"/>
  </CacheKey>
  <ExpirySettings>
    <TimeoutInSeconds>300</TimeoutInSeconds>
  </ExpirySettings>
  <Source>calloutResponse.content</Source>
</PopulateCache>
`
  },
  {
    id: 'lookup-cache',
    label: 'LookupCache',
    group: 'Traffic',
    summary: 'Reads a cache entry into a variable; lookupcache.<policy>.cachehit says whether it was there.',
    defaultName: 'Lookup-Cache',
    placement: 'flow',
    xml: (name) => `<LookupCache name="${xmlName(name)}">
  <CacheResource>mycache</CacheResource>
  <Scope>Exclusive</Scope>
  <CacheKey>
    <KeyFragment ref="request.queryparam.id"/>
  </CacheKey>
  <AssignTo>cachedValue</AssignTo>
</LookupCache>
`
  },
  {
    id: 'invalidate-cache',
    label: 'InvalidateCache',
    group: 'Traffic',
    summary: 'Removes a cache entry (and, with PurgeChildEntries, the entries under its key).',
    defaultName: 'Invalidate-Cache',
    placement: 'flow',
    xml: (name) => `<InvalidateCache name="${xmlName(name)}">
  <CacheResource>mycache</CacheResource>
  <Scope>Exclusive</Scope>
  <CacheKey>
    <KeyFragment ref="request.queryparam.id"/>
  </CacheKey>
  <PurgeChildEntries>false</PurgeChildEntries>
</InvalidateCache>
`
  },
  {
    id: 'response-cache',
    label: 'ResponseCache',
    group: 'Traffic',
    summary: 'Answers repeated requests from a cached response; attach it to the request and the response flow.',
    defaultName: 'Response-Cache',
    placement: 'preflow',
    xml: (name) => `<ResponseCache name="${xmlName(name)}">
  <CacheResource>mycache</CacheResource>
  <Scope>Exclusive</Scope>
  <CacheKey>
    <KeyFragment ref="request.uri"/>
  </CacheKey>
  <ExpirySettings>
    <TimeoutInSeconds>300</TimeoutInSeconds>
  </ExpirySettings>
  <ExcludeErrorResponse>true</ExcludeErrorResponse>
  <SkipCacheLookup>request.header.x-bypass-cache = "true"</SkipCacheLookup>
</ResponseCache>
`
  },
  {
    id: 'message-logging',
    label: 'MessageLogging',
    group: 'Extension',
    summary: 'Logs a message to Syslog or Cloud Logging; Gatelab records it in the trace instead of sending it.',
    defaultName: 'Message-Logging',
    placement: 'flow',
    xml: (name) => `<MessageLogging continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Syslog>
    <Message>[{organization.name}.{apiproxy.name}.{environment.name}] {request.verb} {request.uri} status {response.status.code}</Message>
    <Host>logs.example.com</Host>
    <Port>514</Port>
    <Protocol>TCP</Protocol>
    <FormatMessage>true</FormatMessage>
  </Syslog>
  <logLevel>INFO</logLevel>
</MessageLogging>
`
  },
  {
    id: 'statistics-collector',
    label: 'StatisticsCollector',
    group: 'Extension',
    summary: 'Collects custom analytics values from flow variables (recorded in the trace).',
    defaultName: 'Statistics-Collector',
    placement: 'flow',
    xml: (name) => `<StatisticsCollector continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Statistics>
    <Statistic name="client_app" ref="request.header.x-app" type="string">unknown</Statistic>
    <Statistic name="item_count" ref="request.queryparam.count" type="integer">0</Statistic>
  </Statistics>
</StatisticsCollector>
`
  },
  {
    id: 'assert-condition',
    label: 'AssertCondition',
    group: 'Extension',
    summary: 'Evaluates a condition and stores the result in assertcondition.<policy>.truthValue.',
    defaultName: 'Assert-Condition',
    placement: 'flow',
    xml: (name) => `<AssertCondition continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Condition>request.verb = "GET" and request.header.accept != null</Condition>
</AssertCondition>
`
  },
  {
    id: 'hmac',
    label: 'HMAC',
    group: 'Security',
    summary: 'Computes an HMAC over a message with a private secret and can verify a signature sent by the client.',
    defaultName: 'HMAC',
    placement: 'preflow',
    xml: (name) => `<HMAC continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Algorithm>SHA-256</Algorithm>
  <SecretKey ref="private.hmac-key"/>
  <Message>{request.verb} {request.path} {request.header.x-date}</Message>
  <VerificationValue encoding="base16" ref="request.header.x-signature"/>
  <Output encoding="base16">hmac_value</Output>
  <IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables>
</HMAC>
`
  },
  {
    id: 'regular-expression-protection',
    label: 'RegularExpressionProtection',
    group: 'Security',
    summary: 'Refuses requests whose path, parameters, headers or payload contain a pattern (run bounded: RE2 or a time limit).',
    defaultName: 'Regular-Expression-Protection',
    placement: 'preflow',
    xml: (name) => `<RegularExpressionProtection continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Source>request</Source>
  <IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables>
  <URIPath>
    <Pattern>\\.\\./</Pattern>
  </URIPath>
  <QueryParam name="q">
    <Pattern>(?i)[\\s]*((delete)|(exec)|(drop\\s*table)|(insert)|(shutdown)|(update)|(\\bor\\b))</Pattern>
  </QueryParam>
  <Header name="User-Agent">
    <Pattern>(?i)&lt;\\s*script\\b</Pattern>
  </Header>
  <JSONPayload>
    <JSONPath>
      <Expression>$.name</Expression>
      <Pattern>(?i)&lt;\\s*script\\b</Pattern>
    </JSONPath>
  </JSONPayload>
</RegularExpressionProtection>
`
  },
  {
    id: 'data-capture',
    label: 'DataCapture',
    group: 'Extension',
    summary: 'Captures values for data collectors from variables or the message (recorded in the trace).',
    defaultName: 'Data-Capture',
    placement: 'flow',
    xml: (name) => `<DataCapture continueOnError="false" enabled="true" name="${xmlName(name)}">
  <DisplayName>${xmlName(name)}</DisplayName>
  <Capture>
    <DataCollector>dc_client_app</DataCollector>
    <Collect ref="request.header.x-app" default="unknown"/>
  </Capture>
  <Capture>
    <DataCollector>dc_item_id</DataCollector>
    <Collect default="none">
      <URIPath>
        <Pattern ignoreCase="false">/items/{dc_id}</Pattern>
      </URIPath>
    </Collect>
  </Capture>
</DataCapture>
`
  }
]

/** The template by id. */
export function templateById(id: string): PolicyTemplate | undefined {
  return policyTemplates.find((t) => t.id === id)
}

/** A policy name that is not taken yet: the suggestion, or the suggestion with `-2`, `-3`, ... */
export function freeName(suggestion: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  if (!used.has(suggestion)) return suggestion
  for (let n = 2; ; n++) if (!used.has(`${suggestion}-${n}`)) return `${suggestion}-${n}`
}
