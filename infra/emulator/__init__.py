"""gamelift-local: a local Amazon GameLift service that boto3 and the AWS CLI talk to unmodified."""
