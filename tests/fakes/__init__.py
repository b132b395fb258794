"""Forges faked at the HTTP level: real servers on 127.0.0.1 speaking the real wire format."""
