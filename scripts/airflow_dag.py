"""Airflow DAG: speculative prefill on LongBench, the baseline and five keep rates, then LongBench scores.

Each config is one spark-submit of the same application jar (SparkSubmitOperator from
apache-airflow-providers-apache-spark); the six runs are independent, the scoring waits for each.
Outputs: <OUT>/<ds>/<config>/ (JSONL per dataset, summary.json), scores in <config>/scores.json.

Set the paths below; the Airflow connection SPARK_CONN names the cluster's master (e.g. a Spark
standalone master or YARN), and the workers need the models at MODELS on every node.
"""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

HOME = "/opt/specprefill"                       # an unpacked checkout or bundle: bin/, configs/, scripts/, job/target/
APP_JAR = f"{HOME}/job/target/specprefill-job-0.1.0-SNAPSHOT-app.jar"
MODELS = "/shared/models"
INPUT = "/shared/longbench/longbench_en.jsonl"  # LongBench's own rows
LONGBENCH_CONFIG = "/shared/longbench/config"   # dataset2prompt.json, dataset2maxlen.json
OUT = "/shared/specprefill-runs"
SPARK_CONN = "spark_gpu_cluster"

# spark.* keys of configs/spark-gpu-cluster.properties (SparkSubmitOperator takes them as a dict)
SPARK_CONF = {
    "spark.executor.resource.gpu.amount": "1",
    "spark.task.resource.gpu.amount": "1",
    "spark.executor.resource.gpu.discoveryScript": "./getGpusResources.sh",
    "spark.executor.cores": "4",
    "spark.task.cpus": "4",
    "spark.executor.memory": "16g",
    "spark.executor.memoryOverhead": "8g",
    "spark.executor.extraJavaOptions": "-XX:+IgnoreUnrecognizedVMOptions "
    "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
}

CONFIGS = ["baseline", "p10-lah8", "p30-lah8", "p50-lah8", "p70-lah8", "p90-lah8"]

with DAG(
    dag_id="specprefill_longbench",
    start_date=datetime(2025, 1, 1),
    schedule="@weekly",
    catchup=False,
    tags=["specprefill", "longbench"],
) as dag:
    for name in CONFIGS:
        out = f"{OUT}/{{{{ ds }}}}/{name}"
        run = SparkSubmitOperator(
            task_id=f"run_{name.replace('-', '_')}",
            conn_id=SPARK_CONN,
            application=APP_JAR,
            java_class="io.specprefill.job.Main",
            name=f"specprefill-{name}",
            conf=SPARK_CONF,
            files=f"{HOME}/scripts/getGpusResources.sh",
            application_args=[
                "--input", INPUT,
                "--draft", "none" if name == "baseline" else f"{MODELS}/Llama-3.2-1B-Instruct",
                "--target", f"{MODELS}/Llama-3.1-8B-Instruct",
                "--config", f"{HOME}/configs/{name}.yaml",
                "--set", f"prompt_template={LONGBENCH_CONFIG}",
                "--set", f"dataset_max_new_tokens={LONGBENCH_CONFIG}",
                "--set", "backend=cuda",
                "--output", out,
                "--output-format", "jsonl",
                "--resume",   # a retried task reuses finished scoring instead of redoing it
            ],
        )
        score = BashOperator(
            task_id=f"score_{name.replace('-', '_')}",
            bash_command=f"{HOME}/bin/specprefill score-longbench --pred-dir {out} --json > {out}/scores.json",
        )
        run >> score
