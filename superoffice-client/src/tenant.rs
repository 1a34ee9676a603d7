//! Tenants (`Cust12345`), the tenant state API and SuperOffice URLs.
