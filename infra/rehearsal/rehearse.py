"""The deploy rehearsal: template.yaml, transformed as `sam deploy` transforms it, created as a
stack in a moto server (placeholder code), then read back the way a security reviewer would
read a real deployment. Run by infra/check-template.sh (`make test`); takes seconds.

    python infra/rehearsal/rehearse.py http://127.0.0.1:PORT   # a moto server already running

Where moto is not AWS, the check says so beside it.
"""

import ast
import io
import json
import os
import re
import sys
import time
import zipfile

import boto3
from botocore.exceptions import ClientError, ParamValidationError
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# Unique per run, so a moto server that outlives one run takes the next.
STACK = f"rehearsal-{os.getpid()}"
BUCKET = f"rehearsal-artifacts-{os.getpid()}"
PLACEHOLDER = "placeholder.zip"
REGION = "us-east-1"
# Only these functions sign access tokens, so only they may read its private key.
ACCESS_KEY_READERS = {"LoginFunction", "RefreshFunction"}
REFRESH_KEY_READERS = {"LoginFunction", "RefreshFunction", "LogoutFunction"}
# The variables that carry a secret's id (an ARN), never its value.
SECRET_ID_VARIABLES = {
    "ACCESS_TOKEN_KEY_SECRET_ID": "AccessTokenKey",
    "REFRESH_TOKEN_KEY_SECRET_ID": "RefreshTokenKey",
}
KEY_LIKE_NAME = re.compile(r"SECRET|KEY|TOKEN|PASSWORD|PRIVATE")
# Long runs of base64/hex characters: what a key looks like in an environment.
KEY_LIKE_VALUE = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
# AWS managed policies SAM attaches; none of them reaches Secrets Manager.
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
OUTPUTS = {"ApiUrl", "TableName", "AccessTokenKeySecretArn", "RefreshTokenKeySecretArn", "DashboardUrl", "AlarmTopicArn"}
# What CloudFormation substitutes for the pseudo parameters the template uses.
PSEUDO = {"AWS::StackName": STACK, "AWS::Region": REGION, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}


class Failures:
    """Collects every finding, so one run shows them all."""

    def __init__(self):
        self.found = []

    def check(self, ok, message):
        if not ok:
            self.found.append(message)


class NoManagedPolicies:
    """SAM asks for AWS managed policies only when a function names one; ours name none."""

    def load(self):
        return {}


def translated(path):
    """template.yaml as CloudFormation receives it from `sam deploy`: code in S3, SAM expanded."""
    with open(path, encoding="utf-8") as file:
        template = yaml_parse(file.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # What `sam package` does after `sam build`: the built zip uploaded, its S3 URI here.
            resource["Properties"]["CodeUri"] = f"s3://{BUCKET}/{PLACEHOLDER}"
    return transform(template, {}, NoManagedPolicies())


def placeholder_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


def create_secrets(session, template):
    """moto's CloudFormation skips AWS::SecretsManager::Secret (and drops every `Ref` to one), so
    the rehearsal creates each as CloudFormation would, from its own properties, and puts its
    ARN where the template refers to it, as CloudFormation resolves a secret's `Ref`."""
    manager = session.client("secretsmanager")
    arns = {}
    for name, resource in list(template["Resources"].items()):
        if resource["Type"] != "AWS::SecretsManager::Secret":
            continue
        properties = resource.get("Properties", {})
        value = {}
        if "SecretString" in properties:
            value["SecretString"] = properties["SecretString"]
        elif "GenerateSecretString" in properties:
            value["SecretString"] = manager.get_random_password()["RandomPassword"]
        created = manager.create_secret(Name=f"{STACK}-{name}", Description=properties.get("Description", ""), **value)
        arns[name] = created["ARN"]
        del template["Resources"][name]

    def resolved(node):
        if isinstance(node, dict):
            if node.keys() == {"Ref"} and node["Ref"] in arns:
                return arns[node["Ref"]]
            if node.keys() == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
                text = node["Fn::Sub"]
                for name, arn in arns.items():
                    text = text.replace("${" + name + "}", arn)
                return {"Fn::Sub": text}
            return {key: resolved(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolved(item) for item in node]
        return node

    return resolved(template), arns


def resolver(template, physical, parameters):
    """Resolves `Ref` and `Fn::Sub` as CloudFormation does once the stack exists. A resource moto
    did not build (the HTTP API) keeps its `${Name}`, as moto leaves it in a `!Sub`."""

    def value(name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in parameters:
            return parameters[name]
        if physical.get(name):
            return physical[name]
        if name in template["Resources"]:
            return "${" + name + "}"
        raise KeyError(f"nothing named {name} to resolve")

    def resolve(node):
        if isinstance(node, dict):
            if node.keys() == {"Ref"}:
                return value(node["Ref"])
            if node.keys() == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
                return re.sub(r"\$\{([\w:]+)\}", lambda match: str(value(match.group(1))), node["Fn::Sub"])
            if any(key.startswith("Fn::") for key in node):
                raise ValueError(f"the rehearsal does not resolve {node}")
            return {key: resolve(item) for key, item in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve


def typed(value, shape):
    """A template value as the API's shape wants it: CloudFormation passes a Number parameter as
    a string and converts it; boto3 does not."""
    if shape.type_name == "structure":
        return {key: typed(item, shape.members[key]) for key, item in value.items()} if isinstance(value, dict) else value
    if shape.type_name == "list":
        return [typed(item, shape.member) for item in value] if isinstance(value, list) else value
    if isinstance(value, str) and shape.type_name in ("integer", "long"):
        return int(value)
    if isinstance(value, str) and shape.type_name == "double":
        return float(value)
    return value


def take_alarms(template):
    """moto's CloudFormation skips AWS::CloudWatch::Alarm (it lists a resource with no type and
    creates nothing), so the alarms leave the template here and `create_alarms` puts them once
    the stack exists."""
    alarms = {name: resource for name, resource in template["Resources"].items()
              if resource["Type"] == "AWS::CloudWatch::Alarm"}
    for name in alarms:
        del template["Resources"][name]
    return alarms


def create_alarms(session, template, alarms, physical, parameters):
    """Each alarm as CloudFormation would put it: its own properties, every `Ref` and `Sub`
    resolved against the created stack, the name CloudFormation would give it. PutMetricAlarm's
    own rules (boto3's, then moto's) refuse what AWS would refuse of its shape; the checks below
    read the alarms back from CloudWatch."""
    cloudwatch = session.client("cloudwatch")
    shape = cloudwatch.meta.service_model.operation_model("PutMetricAlarm").input_shape
    resolve = resolver(template, physical, parameters)
    for name, resource in alarms.items():
        if "Condition" in resource:
            raise ValueError(f"{name}: the rehearsal does not evaluate conditions on alarms")
        properties = typed(resolve(resource["Properties"]), shape)
        try:
            cloudwatch.put_metric_alarm(AlarmName=properties.pop("AlarmName", f"{STACK}-{name}"), **properties)
        except (ParamValidationError, ClientError) as refused:
            sys.exit(f"[rehearsal] {name}: PutMetricAlarm refuses it: {refused}")


def deploy(session, template):
    template, secrets = create_secrets(session, template)
    alarms = take_alarms(template)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=PLACEHOLDER, Body=placeholder_zip())
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + 60
    while True:
        stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            sys.exit(f"[rehearsal] {STACK} still {stack['StackStatus']} after 60 s")
        time.sleep(0.2)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        events = cloudformation.describe_stack_events(StackName=STACK)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                   if e["ResourceStatus"].endswith("FAILED")]
        sys.exit(f"[rehearsal] {stack['StackStatus']}:\n  " + "\n  ".join(reasons))
    resources = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources} | secrets
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    create_alarms(session, template, alarms, physical, parameters)
    return physical, outputs, resources, len(alarms)


def check_configurations(session, functions, physical, failures):
    """No function's configuration holds a key or a `{{resolve:` (real CloudFormation would
    have written the secret's plaintext there; moto leaves the reference as it is)."""
    lambda_ = session.client("lambda")
    for name in functions:
        configuration = lambda_.get_function_configuration(FunctionName=physical[name])
        variables = configuration.get("Environment", {}).get("Variables", {})
        for variable, value in variables.items():
            value = str(value)  # moto keeps a Number parameter's type; AWS holds strings
            failures.check("{{resolve:" not in value,
                           f"{name}: {variable} is a dynamic reference to a secret")
            if variable in SECRET_ID_VARIABLES:
                secret = physical[SECRET_ID_VARIABLES[variable]]
                failures.check(value == secret, f"{name}: {variable} is {value!r}, not {secret}")
                continue
            failures.check(not KEY_LIKE_NAME.search(variable),
                           f"{name}: {variable} looks like a key")
            is_resource_name = value in physical.values()  # the table's name, for one
            failures.check(is_resource_name or not KEY_LIKE_VALUE.search(value),
                           f"{name}: {variable}'s value looks like a key")


def secrets_readable_by(iam, role, physical_secrets, failures, name):
    """The stack's secrets (logical ids) a role's policies let it read."""
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    for policy in attached:
        failures.check(policy["PolicyArn"] in MANAGED_POLICIES,
                       f"{name}: unexpected managed policy {policy['PolicyArn']}")
    readable = set()
    for policy_name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        if isinstance(document, str):
            # moto stores a policy that CloudFormation created as the Python text of the
            # document (AWS returns it as JSON, which boto3 decodes).
            document = ast.literal_eval(document)
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if not any(action.startswith("secretsmanager:") or "*" in action for action in actions):
                continue
            failures.check(statement["Effect"] == "Allow" and actions == ["secretsmanager:GetSecretValue"],
                           f"{name}: {statement} grants more than GetSecretValue")
            for resource in resources:
                logical = physical_secrets.get(resource)
                failures.check(logical is not None, f"{name}: may read a secret not the stack's: {resource}")
                readable.add(logical)
    return readable


def check_secret_readers(session, functions, physical, failures):
    iam = session.client("iam")
    lambda_ = session.client("lambda")
    secrets = {physical[s]: s for s in SECRET_ID_VARIABLES.values()}
    readers = {secret: set() for secret in SECRET_ID_VARIABLES.values()}
    for name in functions:
        role = lambda_.get_function_configuration(FunctionName=physical[name])["Role"].split("/")[-1]
        for secret in secrets_readable_by(iam, role, secrets, failures, name):
            readers.setdefault(secret, set()).add(name)
    failures.check(readers["AccessTokenKey"] == ACCESS_KEY_READERS,
                   f"the access key's secret is readable by {sorted(readers['AccessTokenKey'])}")
    failures.check(readers["RefreshTokenKey"] == REFRESH_KEY_READERS,
                   f"the refresh key's secret is readable by {sorted(readers['RefreshTokenKey'])}")
    manager = session.client("secretsmanager")
    for secret in secrets:
        # Created empty: the keys tool writes them after `sam deploy` (infra/deploy.sh).
        versions = manager.list_secret_version_ids(SecretId=secret)["Versions"]
        failures.check(not versions, f"{secrets[secret]} was created with a value")


def check_routes(source, translated, physical, failures):
    """Every route of the template reaches its function. moto's CloudFormation does not build
    AWS::ApiGatewayV2 resources (it skips them), so this reads the API definition SAM hands
    CloudFormation (the OpenAPI body AWS imports) and the invoke permissions moto did create."""
    wanted = {}
    for name, resource in source["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                properties = event["Properties"]
                wanted[f"{properties['Method'].upper()} {properties['Path']}"] = name
    deployed = {}
    for path, methods in translated["Resources"]["HttpApi"]["Properties"]["Body"]["paths"].items():
        for method, operation in methods.items():
            uri = json.dumps(operation.get("x-amazon-apigateway-integration", {}).get("uri"))
            function = re.search(r"\$\{(\w+)\.Arn\}", uri)
            deployed[f"{method.upper()} {path}"] = function.group(1) if function else uri
    failures.check(deployed == wanted, f"routes {deployed} are not the template's {wanted}")
    for name in set(wanted.values()):
        failures.check(f"{name}ApiPermission" in physical,
                       f"{name}: API Gateway has no permission to invoke it")


def check_table(translated, failures):
    """PITR, TTL and encryption, as CloudFormation receives them: moto's CloudFormation creates
    the table without any of the three (DescribeContinuousBackups, DescribeTimeToLive and the
    SSE description read back DISABLED whatever the template says), so the stack cannot."""
    table = translated["Resources"]["Table"]["Properties"]
    failures.check(table.get("SSESpecification", {}).get("SSEEnabled") is True, "table not encrypted")
    pitr = table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")
    failures.check(pitr is True, "no point-in-time recovery")
    ttl = table.get("TimeToLiveSpecification", {})
    failures.check(ttl.get("Enabled") is True and ttl.get("AttributeName") == "expiresAt", f"TTL is {ttl}")


def check_logging(translated, session, functions, physical, failures):
    """Lambda's advanced logging controls with each function's own log group: SAM merges the
    Globals map with the function's, key by key. moto's Lambda keeps no LoggingConfig (its
    GetFunctionConfiguration has none), so this reads what CloudFormation receives; the metrics
    namespace is read back from the deployed functions."""
    lambda_ = session.client("lambda")
    for name in functions:
        logging = translated["Resources"][name]["Properties"].get("LoggingConfig", {})
        wanted = {"LogFormat": "JSON", "ApplicationLogLevel": {"Ref": "LogLevel"}, "SystemLogLevel": "WARN",
                  "LogGroup": {"Ref": name.removesuffix("Function") + "Logs"}}
        failures.check(logging == wanted, f"{name}: LoggingConfig is {logging}, not {wanted}")
        variables = lambda_.get_function_configuration(FunctionName=physical[name]).get("Environment", {}).get("Variables", {})
        failures.check(variables.get("METRICS_NAMESPACE") == STACK,
                       f"{name}: METRICS_NAMESPACE is {variables.get('METRICS_NAMESPACE')!r}, not the stack's name")


def template_routes(source):
    """(function, method, path) of every HttpApi event of the template."""
    return {(name, event["Properties"]["Method"].upper(), event["Properties"]["Path"])
            for name, resource in source["Resources"].items() if resource["Type"] == "AWS::Serverless::Function"
            for event in resource["Properties"].get("Events", {}).values() if event["Type"] == "HttpApi"}


def fetched(alarm):
    """(namespace, metric, {dimension: value}) of every metric an alarm reads."""
    stats = [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]
    if "MetricName" in alarm:
        stats.append(alarm)
    return [(m.get("Namespace"), m["MetricName"], {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}) for m in stats]


def check_alarms(session, source, functions, physical, outputs, failures):
    """Read back from CloudWatch: an errors-and-throttles alarm for every function, a p99 latency
    alarm for every route, the service-wide ones, each notifying the stack's topic. (moto's
    CloudFormation builds no AWS::SNS::Subscription either; with AlarmEmail empty, the default,
    CloudFormation makes none, and infra/tests/observability.rs checks its condition.)"""
    alarms = [alarm for page in session.client("cloudwatch").get_paginator("describe_alarms").paginate()
              for alarm in page["MetricAlarms"] if alarm["AlarmName"].startswith(f"{STACK}-")]
    read = [metric for alarm in alarms for metric in fetched(alarm)]
    topic = physical.get("AlarmTopic")
    topics = {t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]}
    failures.check(topic in topics and outputs.get("AlarmTopicArn") == topic, f"no alarm topic {topic} in SNS")
    for alarm in alarms:
        name = alarm["AlarmName"]
        failures.check(alarm.get("AlarmActions") == [topic] and alarm.get("OKActions") == [topic],
                       f"{name} does not notify the alarm topic of ALARM and OK")
        failures.check(alarm.get("TreatMissingData") == "notBreaching", f"{name}: missing data would breach")
        failures.check(bool(alarm.get("AlarmDescription")), f"{name} says nothing of what to do")
    for name in sorted(functions):
        for metric in ("Errors", "Throttles"):
            failures.check(("AWS/Lambda", metric, {"FunctionName": physical[name]}) in read,
                           f"{name}: no alarm reads its {metric}")
    latency = {(dimensions.get("Method"), dimensions.get("Resource"))
               for alarm in alarms if alarm.get("ExtendedStatistic") == "p99"
               for namespace, metric, dimensions in fetched(alarm) if (namespace, metric) == ("AWS/ApiGateway", "Latency")}
    for name, method, path in sorted(template_routes(source)):
        failures.check((method, path) in latency, f"{method} {path} ({name}): no p99 latency alarm")
    api = [m for m in read if m[0] == "AWS/ApiGateway" and m[2].keys() == {"ApiId", "Stage"}]
    failures.check({m[1] for m in api} >= {"5xx", "Count"}, "no alarm on the API's 5xx rate")
    queries = " ".join(q.get("Expression", "") for a in alarms for q in a.get("Metrics", []))
    for metric in ("ThrottledRequests", "SystemErrors"):
        failures.check(f"SUM({metric})" in queries and f"TableName = '{physical['Table']}'" in queries,
                       f"no alarm on the table's {metric}")
    for metric in ("RefreshTokenReuse", "LoginsThrottled"):
        failures.check(f'SELECT SUM({metric}) FROM SCHEMA("{STACK}", FunctionName)' in queries,
                       f"no alarm on {metric} in the stack's namespace")


def dashboard_rows(widget):
    """A metric widget's rows with the "." shorthand expanded (each "." repeats the row above)."""
    rows, previous = [], []
    for row in widget["properties"].get("metrics", []):
        items = [item for item in row if not isinstance(item, dict)]
        items = [previous[i] if item == "." else item for i, item in enumerate(items)]
        rows.append(items)
        previous = items
    return rows


def check_dashboard(session, source, functions, physical, outputs, failures):
    """The dashboard is created (moto builds AWS::CloudWatch::Dashboard), its body is JSON, and
    it shows every deployed function in each Lambda widget and every route's latency."""
    cloudwatch = session.client("cloudwatch")
    name = physical.get("Dashboard")
    listed = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    failures.check(name == STACK and name in listed, f"no dashboard named after the stack: {sorted(listed)}")
    if name not in listed:
        return
    body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
    rows = [dashboard_rows(w) for w in body["widgets"] if w["type"] == "metric"]
    lambda_widgets = [r for r in rows if r and r[0][:1] == ["AWS/Lambda"]]
    failures.check(len(lambda_widgets) >= 4, "the dashboard lacks the Lambda widgets")
    for widget in lambda_widgets:
        shown = {row[3] for row in widget}
        for function in sorted(functions):
            failures.check(physical[function] in shown, f"the dashboard's {widget[0][1]} widget lacks {function}")
    latency = {(row[7], row[9]) for widget in rows for row in widget
               if len(row) >= 10 and row[:2] == ["AWS/ApiGateway", "Latency"] and row[6:10:2] == ["Method", "Resource"]}
    wanted = {(method, path) for _, method, path in template_routes(source)}
    failures.check(latency == wanted, f"the latency widget shows {sorted(latency)}, not the routes {sorted(wanted)}")
    failures.check(outputs.get("DashboardUrl", "").endswith(f"#dashboards/dashboard/{STACK}"),
                   f"DashboardUrl {outputs.get('DashboardUrl')!r}")


def check_outputs(outputs, physical, failures):
    failures.check(OUTPUTS <= outputs.keys(), f"outputs {sorted(outputs)} lack {sorted(OUTPUTS - outputs.keys())}")
    failures.check(outputs.get("TableName") == physical["Table"], "TableName is not the table")
    for output, secret in [("AccessTokenKeySecretArn", "AccessTokenKey"), ("RefreshTokenKeySecretArn", "RefreshTokenKey")]:
        failures.check(outputs.get(output) == physical[secret], f"{output} is not {secret}'s ARN")
    # moto leaves `${HttpApi}` in a !Sub unresolved (AWS writes the API id there): check the
    # shape around it only.
    url = outputs.get("ApiUrl", "")
    failures.check(re.fullmatch(r"https://\S+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9-]+", url) is not None,
                   f"ApiUrl {url!r}")


def main():
    endpoint = sys.argv[1]
    # The translator reads the region from the environment; nothing here reaches AWS itself.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    session = boto3.Session(aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal",
                            region_name=REGION)
    session = _with_endpoint(session, endpoint)
    template = translated("template.yaml")
    started = time.monotonic()
    physical, outputs, resources, alarms = deploy(session, template)
    print(f"[rehearsal] {STACK}: CREATE_COMPLETE, {len(resources)} resources in "
          f"{time.monotonic() - started:.1f} s, and {alarms} alarms put beside it", file=sys.stderr)
    functions = [r["LogicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Lambda::Function"]
    source = yaml_parse(open("template.yaml", encoding="utf-8").read())
    failures = Failures()
    check_configurations(session, functions, physical, failures)
    check_secret_readers(session, functions, physical, failures)
    check_routes(source, template, physical, failures)
    check_table(template, failures)
    check_outputs(outputs, physical, failures)
    check_logging(template, session, functions, physical, failures)
    check_alarms(session, source, functions, physical, outputs, failures)
    check_dashboard(session, source, functions, physical, outputs, failures)
    if failures.found:
        sys.exit("[rehearsal] the deployed stack fails review:\n  " + "\n  ".join(failures.found))
    print(f"[rehearsal] {len(functions)} functions, their roles, routes, logging, alarms, dashboard, table and "
          f"outputs pass review", file=sys.stderr)


class _with_endpoint:
    """A boto3 session whose clients all talk to the moto server."""

    def __init__(self, session, endpoint):
        self.session, self.endpoint = session, endpoint

    def client(self, service):
        return self.session.client(service, endpoint_url=self.endpoint)


if __name__ == "__main__":
    main()
