"""Simulated RabbitMQ 3.x/4.x cluster: each node's management HTTP API and AMQP 0-9-1 port, on one
shared ``ClusterModel`` (``SimCluster``), the demo's partition story (``DemoScenario``) and its
demo estate (``demo.py``)."""
