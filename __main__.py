"""Pulumi's entry point: Pulumi runs this file as a script, so it only hands over to the package."""

from breeze_infra.program import main

main()
