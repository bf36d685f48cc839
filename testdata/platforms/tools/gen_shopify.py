H = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References".split(',')
Q = object()  # emit "" like real exports do
def cell(v):
    if v is Q: return '""'
    v = '' if v is None else str(v)
    if any(c in v for c in ',"\n\r'):
        return '"' + v.replace('"','""') + '"'
    return v
def addr(name, street, a1, a2, city, zipc, prov, country, phone):
    return dict(Name=name, Street=street, Address1=a1, Address2=a2, City=city, Zip=zipc, Province=prov, Country=country, Phone=phone)
def first(name,email,fin,paid,ful,fulat,curr,sub,ship,tax,total,dcode,damt,smeth,created,qty,item,price,sku,lfs,bill,shipto,notes,noteattr,cancel,pm,pref,refunded,outstanding,oid,tags,source,phone,provname,payid,vendor='Acme Goods',taxname='',taxval=''):
    r = {k:'' for k in H}
    r.update({'Name':name,'Email':email,'Financial Status':fin,'Paid at':paid,'Fulfillment Status':ful,'Fulfilled at':fulat,
      'Accepts Marketing':'no','Currency':curr,'Subtotal':sub,'Shipping':ship,'Taxes':tax,'Total':total,'Discount Code':dcode,
      'Discount Amount':damt,'Shipping Method':smeth,'Created at':created,'Lineitem quantity':qty,'Lineitem name':item,
      'Lineitem price':price,'Lineitem compare at price':'','Lineitem sku':sku,'Lineitem requires shipping':'true',
      'Lineitem taxable':'true','Lineitem fulfillment status':lfs,'Notes':notes,'Note Attributes':noteattr,'Cancelled at':cancel,
      'Payment Method':pm,'Payment Reference':pref,'Refunded Amount':refunded,'Vendor':vendor,'Outstanding Balance':outstanding,
      'Id':oid,'Tags':tags,'Risk Level':'Low','Source':source,'Lineitem discount':'0.00','Tax 1 Name':taxname,'Tax 1 Value':taxval,
      'Phone':phone,'Billing Province Name':provname,'Shipping Province Name':provname,'Payment ID':payid,'Payment References':payid})
    for p,a in (('Billing',bill),('Shipping',shipto)):
        for k,v in a.items(): r[f'{p} {k}'] = v
    return r
def cont(name,email,created,qty,item,price,sku,lfs,phone='',vendor='Acme Goods'):
    r = {k:'' for k in H}
    r.update({'Name':name,'Email':email,'Created at':created,'Lineitem quantity':qty,'Lineitem name':item,'Lineitem price':price,
      'Lineitem compare at price':Q,'Lineitem sku':sku,'Lineitem requires shipping':'true','Lineitem taxable':'true',
      'Lineitem fulfillment status':lfs,'Vendor':vendor,'Lineitem discount':'0.00','Phone':phone})
    return r
A_alice = addr('Alice Archer','"12 Elm St, Apt 3"'.strip('"'),'12 Elm St','Apt 3','Springfield',"'01101",'MA','US','(413) 555-0101')
A_bob   = addr('Bob Baker','400 Oak Ave','400 Oak Ave','','Portland','97205','OR','US','')
A_dana  = addr('Dana Guest','9 Pine Rd','9 Pine Rd','','Austin','78701','TX','US',"'+1 555-555-0123")
A_carol = addr('Carol Chen','77 Birch Blvd','77 Birch Blvd','','Denver','80202','CO','US','')
A_dave  = addr('Dave Diaz','5 Cedar Ct','5 Cedar Ct','','Miami','33101','FL','US','')
A_erin  = addr('Erin Evans','8 Maple Dr','8 Maple Dr','','Seattle','98101','WA','US','')
rows = []
# newest first, as Shopify exports do
rows.append(first('#1010','erin@example.com','refunded','2024-04-09 13:20:05 -0400','unfulfilled','','USD','48.00','0.00','0.00','48.00',Q,'0.00','Standard','2024-04-09 13:20:04 -0400','1','Linen Apron','48.00','APR-1','pending',A_erin,A_erin,'',Q,'2024-04-09 15:02:11 -0400','Shopify Payments','c1010.1','48.00','0.00','5550000010',Q,'web','','Washington','c1010.1'))
rows.append(first('#1009','dave@example.com','paid','','fulfilled','2024-04-06 10:00:00 -0400','USD','0.00','0.00','0.00','0.00','FREEBIE','25.00','Standard','2024-04-05 17:45:00 -0400','1','Gift Card Holder','25.00','GCH-1','fulfilled',A_dave,A_dave,'',Q,'',Q,Q,'0.00','0.00','5550000009',Q,'web','','Florida',''))
rows.append(first('#1008','','paid','2024-04-01 19:45:34 -0400','fulfilled','2024-04-02 09:10:00 -0400','USD','18.00','0.00','0.00','18.00',Q,'0.00','Local Delivery','2024-04-01 19:45:33 -0400','1','Beeswax Candle','18.00','CND-1','fulfilled',A_dana,A_dana,'Leave at door, please.\nGate code "42"',Q,'','Shopify Payments','c1008.1','0.00','0.00','5550000008',Q,'web','+15555550123','Texas','c1008.1'))
rows.append(first('#1007','carol@example.com','voided','','unfulfilled','','USD','45.00','0.00','0.00','45.00',Q,'0.00','Standard','2024-03-15 11:58:40 -0400','1','Walnut Serving Board','45.00','WSB-1','pending',A_carol,A_carol,'',Q,'2024-03-15 12:01:00 -0400','Shopify Payments','c1007.1','0.00','0.00','5550000007',Q,'web','','Colorado','c1007.1'))
rows.append(first('#1006','bob@example.com','refunded','2024-03-10 10:00:01 -0400','fulfilled','2024-03-11 08:00:00 -0400','USD','50.00','5.00','0.00','55.00',Q,'0.00','Standard','2024-03-10 10:00:00 -0400','1','Wool Throw','50.00','THR-1','fulfilled',A_bob,A_bob,'',Q,'','Shopify Payments','c1006.1','55.00','0.00','5550000006','returned','web','','Oregon','c1006.1'))
rows.append(first('#1005','alice@example.com','partially_refunded','2024-03-02 14:03:11 -0500','fulfilled','2024-03-04 09:00:00 -0500','USD','115.00','5.00','0.00','120.00',Q,'0.00','Standard','2024-03-02 14:03:10 -0500','2','Mug, Large - Blue','40.00','MUG-L-BL','fulfilled',A_alice,A_alice,'',Q,'','Shopify Payments','c1005.1','20.00','0.00','5550000005','"vip, repeat"'.strip('"'),'web','','Massachusetts','c1005.1'))
rows.append(cont('#1005','alice@example.com','2024-03-02 14:03:10 -0500','1','Tea Sampler','35.00','TEA-S','fulfilled'))
rows.append(first('#1004','carol@example.com','pending','','unfulfilled','','USD','30.00','0.00','0.00','30.00',Q,'0.00','Standard','2024-02-10 08:30:00 -0500','1','Herb Planter','30.00','PLN-1','pending',A_carol,A_carol,'',Q,'','Cash on Delivery (COD)','','0.00','30.00','5550000004',Q,'web','','Colorado','#1004.1'))
rows.append(first('#1003','','paid','2024-02-03 21:05:20 -0500','fulfilled','2024-02-05 10:00:00 -0500','USD','32.00','0.00','0.00','32.00',Q,'0.00','Local Delivery','2024-02-03 21:05:19 -0500','1','Botanical Print, A4','32.00','PRT-A4','fulfilled',A_dana,A_dana,'',Q,'','Shopify Payments','c1003.1','0.00','0.00','5550000003',Q,'web','+15555550123','Texas','c1003.1'))
rows.append(first('#1002','Bob@Example.com','paid','2024-01-20 16:40:03 -0500','fulfilled','2024-01-22 12:00:00 -0500','USD','40.00','0.00','0.00','40.00',Q,'0.00','Standard','2024-01-20 16:40:02 -0500','2','Speckled Mug','20.00','MUG-SP','fulfilled',A_bob,A_bob,'',Q,'','PayPal Express Checkout','c1002.1','0.00','0.00','5550000002',Q,'web','','Oregon','c1002.1'))
rows.append(first('#1001','alice@example.com','paid','2024-01-15 09:12:45 -0500','fulfilled','2024-01-16 15:30:00 -0500','USD','59.50','5.00','0.00','64.50',Q,'0.00','Standard','2024-01-15 09:12:44 -0500','2','Crew Tee - Black / S','19.75','TEE-BLK-S','fulfilled',A_alice,A_alice,'',Q,'','Shopify Payments','c1001.1','0.00','0.00','5550000001',Q,'web','','Massachusetts','c1001.1'))
rows.append(cont('#1001','alice@example.com','2024-01-15 09:12:44 -0500','1','Canvas Tote','20.00','TOTE-1','fulfilled'))
out = [','.join(H)] + [','.join(cell(r[k]) for k in H) for r in rows]
open('../shopify_orders.csv','w',newline='').write('\n'.join(out)+'\n')
